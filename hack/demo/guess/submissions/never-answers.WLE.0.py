n = int(input())
# waits for a line the interactor never sends: it waits for a question
input()
